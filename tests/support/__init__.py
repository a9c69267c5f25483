"""Harness pieces the tests share: loopback endpoints, fixed days, processes started in step."""
