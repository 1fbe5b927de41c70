"""Gunicorn settings for running under a read-only root filesystem as uid 65532.

Everything that depends on the pod comes from the environment the Deployment sets:
  CPU_LIMIT_MILLICORES  the container's CPU limit through the downward API (Python sees the
                        host's CPU count, not the cgroup limit); sets the worker count
  PORT                  the container port (default 8080)
  GUNICORN_WORKERS      explicit worker count (overrides the CPU-derived one)
  GRACEFUL_TIMEOUT      seconds workers get to finish in-flight requests after SIGTERM;
                        the pod's terminationGracePeriodSeconds must exceed preStop + this
"""

import math
import os


def workers_for(cpu_millicores: str | None, explicit: str | None = None) -> int:
    """2 x CPUs + 1 sync workers (Gunicorn's rule of thumb), CPUs rounded up, at least 1."""
    if explicit:
        return max(1, int(explicit))
    try:
        millis = int(cpu_millicores or "")
    except ValueError:
        millis = 1000
    cpus = max(1, math.ceil(millis / 1000))
    return 2 * cpus + 1


bind = [f"0.0.0.0:{int(os.environ.get('PORT', '8080'))}"]
workers = workers_for(os.environ.get("CPU_LIMIT_MILLICORES"), os.environ.get("GUNICORN_WORKERS"))
worker_class = "sync"
# The heartbeat file must live on a memory filesystem: on a disk-backed (or overlay) /tmp
# its fchmod can block and get workers killed as "timed out". /dev/shm is a tmpfs in both
# Docker and Kubernetes and stays writable under readOnlyRootFilesystem.
worker_tmp_dir = "/dev/shm"
timeout = 30
graceful_timeout = int(os.environ.get("GRACEFUL_TIMEOUT", "20"))
keepalive = 5
# Import the app once in the master: workers fork with the code (and its bytecode) loaded,
# so a killed worker is replaced in milliseconds and start to ready stays short.
preload_app = True
# Gunicorn >= 24 opens a control socket under $HOME/.gunicorn by default: the root
# filesystem is read-only and the socket is an unauthenticated admin interface. Off.
control_socket_disable = True
# Logs: JSON lines on stdout/stderr, nothing on disk.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info")
logger_class = "sample_app.logging.JsonLogger"
# Behind a Kubernetes Service / load balancer, trust X-Forwarded-* from anywhere in the pod
# network only if the operator says so.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
