"""Analyses people see: scorecards (and later Human Sigma, linkage), with the anonymity rules applied."""
