"""The runtime: how flows run, not what they do: locks (file, Redis), task runners, the
Prefect server and work pools the CLI brings up, and the deployments."""
