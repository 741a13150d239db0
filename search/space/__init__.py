"""What a search is: its config (objectives, constraints, space, resources) and one trial's typed configs."""
