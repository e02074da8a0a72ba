"""Orchestration (Prefect 3): the scheduled deadline sweep; handoff delivery comes with the handoff issue.

Flows call the service layer with the process's `Runtime` (`workflows.context`); the service
never imports this package.
"""
