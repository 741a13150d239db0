"""Reading a search back: its Pareto front and hypervolume, pages and tables, status, and shipping a chosen model."""
