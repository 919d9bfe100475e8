"""Program members: owners add, change and remove who works on the program's cases."""
