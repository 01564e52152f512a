"""Reports regulators ask for (DESIGN §11, issue 14 part 4): the complaints return.

`selectors.complaints_return` computes, for one regime and one period, per category × root cause:
opened, closed, outstanding at the period's end, closed within three business days / within eight
weeks / after eight weeks (business days from the regime's holiday calendar), the upheld share
and the redress and goodwill given. The API (`GET /api/v1/reports/complaints-return/`, JSON or
CSV) and the admin page (managers) render the same figures.

Layered at the very top, under ops: it reads regimes, compensation and complaints and nothing
below imports it. It writes nothing.
"""
