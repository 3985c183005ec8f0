"""Views of the reports app, one module per page family; each module has its urlpatterns."""
