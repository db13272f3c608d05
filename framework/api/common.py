"""What the framework endpoints of the solicitation, the supplement and the orders share: the answers a write may
give (with the core API's texts: ``procurement.api.views``) and the supplier seats."""

from __future__ import annotations

from procurement.api.views import CONFLICT, FORBIDDEN, NOT_FOUND, REFUSED, UNAUTHENTICATED
from procurement.models import Organization

WRITE_ERRORS = {400: REFUSED, 401: UNAUTHENTICATED, 403: FORBIDDEN, 404: NOT_FOUND, 409: CONFLICT}
SUPPLIERS = (Organization.Kind.SUPPLIER,)
