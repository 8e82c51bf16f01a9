"""Outlet insights: the outcomes the distributor bought the system for, measured from the visit and
claim data (effective visits per rep per day, claim cycle time), each with its definition."""
