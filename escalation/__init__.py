"""Promises, deadlines and automatic escalation. May import complaints; never compensation."""
