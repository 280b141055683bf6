//! The audit rule registry and checks: findings with stable OOM0xx codes.
