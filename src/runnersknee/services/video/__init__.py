"""Video movement analysis: the pipeline run, stored analyses and their typed measures."""
