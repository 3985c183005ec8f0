"""MAX, the national messenger: official channels read through the district bot (DESIGN §3.5,
`../shared/reference/max_api.md`)."""
