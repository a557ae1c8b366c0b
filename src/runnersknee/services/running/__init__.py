"""Running: watch-file imports, weekly load, the next run of the return-to-run protocol."""
