"""Raw recordings: flat binary / .npy / .cbin / .mda traces, filtering, intervals."""
