"""pentaglot's Ray side: config, storage, readers and writers, stages, CLI."""
