"""Clients for LMS services (AGS, NRPS): tokens, paging, errors a delivery worker can act on."""
