"""Orchestration (Prefect 3): handoff delivery and the scheduled deadline sweep and reports.

Empty until the handoff and deadline issues land: the service writes handoff intents
(`state_machines.case_machine.Opening`) that these flows will deliver.
"""
