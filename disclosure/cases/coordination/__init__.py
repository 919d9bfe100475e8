"""Multi-party coordination: participants with VEX statuses per product, and CVE ids."""
