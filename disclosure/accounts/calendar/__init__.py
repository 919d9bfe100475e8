"""Calendar feeds: a user's secret iCalendar address with the deadlines they follow."""
