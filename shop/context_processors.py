def storefront(request):
    """What the header of every page needs. Filled by the storefront shell."""
    return {}
