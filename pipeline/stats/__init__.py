"""Dataset statistics: mergeable aggregates, their JSON schema, plots and reports.

The aggregate modules (histograms, scripts, heavy_hitters, aggregates, schema)
import no Ray, so they work on plain Arrow tables; compute.py runs them as a
streaming Ray job.
"""
