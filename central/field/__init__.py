"""Field sales work at central: visits, collections, visit plans (routes) and monthly targets of reps."""
