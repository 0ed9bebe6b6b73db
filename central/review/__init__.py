"""The review list: claims central could not verify, flagged for a head-office person to read and resolve."""
