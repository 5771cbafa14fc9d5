package algo

// FieldError is a Build error about one field of the scenario's params or
// workload ("workload.txns[2].transfer.amount"): the scenario loader
// reports it at that field's line instead of at `params`.
type FieldError struct {
	Field string
	Err   error
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Err.Error() }

func (e *FieldError) Unwrap() error { return e.Err }
