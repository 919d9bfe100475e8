"""Messages between vendor and reporter, and the vendor's internal notes, encrypted at rest."""
