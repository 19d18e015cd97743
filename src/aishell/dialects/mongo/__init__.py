"""MongoDB dialect: collection validators and indexes from a relational model."""
