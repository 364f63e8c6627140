"""Evaluate follows a programme over cycles on Kirkpatrick's four levels: reaction, learning, behaviour (commitments acted on, supervisors' observations) and results (the service outcomes the organisation keeps), per team, linking people across cycles by their self-generated codes, never by name, under the same privacy threshold as every other step.
It hands the facilitator a report of what changed and how sure we are, and the next cycle's needs assessment the evidence of where practice did not follow.
"""
