"""The Presseverteiler: journalists' contacts, and releases sent to them by e-mail."""
