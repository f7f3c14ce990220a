"""Engines: issue-bargaining forecasts and Monte Carlo escalation simulation."""
