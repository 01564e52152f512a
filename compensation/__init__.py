"""Empowerment rules and compensation approvals. May import escalation and complaints."""
