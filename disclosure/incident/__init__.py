"""Incident response, one command (or one admin form) away: granular verbs beside lock-down."""
