"""Font atlas rendered at run time with Qt (QPainter into a QImage), one cell per glyph.

Glyphs are drawn at their final pixel size (font size x device pixel ratio) so the text
shader samples them 1:1: text is crisp at every zoom level. A monospace font gives every
glyph the same advance, so glyph positions are computed without per-glyph metrics.
"""

import threading

import numpy as np

from phyclone.qt import QColor, QFont, QFontDatabase, QFontMetrics, QImage, QPainter, QRect

CHARSET = (
    "".join(chr(i) for i in range(32, 127)) + "".join(chr(i) for i in range(160, 256)) +
    "–—…←↑→↓αβγδεζηθκλμνξπρστφχψωΓΔΘΛΞΠΣΦΨΩ≤≥≠≈∞√∑∫")
COLUMNS = 32
_UNKNOWN = CHARSET.index("?")
_TABLE = np.full(max(map(ord, CHARSET)) + 1, _UNKNOWN, dtype=np.int32)
_TABLE[[ord(c) for c in CHARSET]] = np.arange(len(CHARSET), dtype=np.int32)

_cache = {}
_lock = threading.Lock()


def glyph_cells(text):
    """Atlas cell index of every character of ``text`` (unknown characters show '?')."""
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    return _TABLE[np.minimum(codes, len(_TABLE) - 1)]


class FontAtlas:
    """Coverage image (h, w) uint8 of every CHARSET glyph; ``cell_size`` (w, h) pixels."""

    def __init__(self, font_size=8., pixel_ratio=1., family=None):
        font = QFontDatabase.systemFont(QFontDatabase.FixedFont)
        if family:
            font.setFamily(family)
        font.setPointSizeF(font_size * pixel_ratio)
        font.setStyleStrategy(QFont.PreferAntialias | QFont.NoSubpixelAntialias)
        font.setHintingPreference(QFont.PreferFullHinting)
        fm = QFontMetrics(font)
        cw = max(fm.horizontalAdvance(c) for c in "M0W_")
        ch = fm.height()
        rows = -(-len(CHARSET) // COLUMNS)
        img = QImage(COLUMNS * cw, rows * ch, QImage.Format_ARGB32_Premultiplied)
        img.fill(0)
        p = QPainter(img)
        try:
            p.setFont(font)
            p.setPen(QColor(255, 255, 255))
            for i, c in enumerate(CHARSET):
                x, y = (i % COLUMNS) * cw, (i // COLUMNS) * ch
                p.setClipRect(QRect(x, y, cw, ch))
                p.drawText(x, y + fm.ascent(), c)
        finally:
            p.end()
        ptr = img.constBits()
        ptr.setsize(img.byteCount())
        argb = np.frombuffer(ptr, dtype=np.uint8).reshape(img.height(), img.bytesPerLine())
        # Format_ARGB32 is B, G, R, A in memory on little-endian machines: alpha is byte 3.
        argb = argb[:, :img.width() * 4].reshape(img.height(), img.width(), 4)
        self.image = argb[:, :, 3].copy()
        self.cell_size = (cw, ch)
        self.columns = COLUMNS
        self.family = font.family()


def get_atlas(font_size=8., pixel_ratio=1., family=None):
    """The cached FontAtlas for these parameters (built on first use; needs a QApplication)."""
    key = (float(font_size), float(pixel_ratio), family)
    with _lock:
        atlas = _cache.get(key)
        if atlas is None:
            atlas = _cache[key] = FontAtlas(font_size, pixel_ratio, family)
    return atlas
