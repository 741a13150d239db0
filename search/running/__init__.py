"""Running a search on Ray Tune: the driver, the trainable around one trial, its scheduling, teachers first, the baselines."""
