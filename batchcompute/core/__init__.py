"""Protocol core: signing, the route table, transport and errors."""
