"""OK (Одноклассники): groups read with the application keys and a signed request."""
