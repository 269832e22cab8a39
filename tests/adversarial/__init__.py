"""Issue 17: each defect of the adversarial run as a test that failed before its fix."""
