"""Use cases of telemed. Each public function is one unit of work and commits once."""
