"""What requests and answers mean: validation into typed specs, state names, rendering of answers."""
