# Mode-specific tables attach one-to-one to procurement.Project; none are needed yet.
