"""Administrative units: loading the official list and looking units up."""
