"""History: change-risk features from git history, SZZ labels, the defect model and its backtest."""
