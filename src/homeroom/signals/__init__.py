"""Early warning: rules (first-month absences, prior year) and the predictive model."""
