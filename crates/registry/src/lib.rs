//! A lazy, read-only Windows registry hive reader with transaction-log replay, and BCD.
