/** An error of the Step Functions API, returned over HTTP as `{ __type, message }`. */
export class SfnApiError extends Error {
  constructor(
    /** The AWS error code, e.g. `ExecutionAlreadyExists`. */
    readonly code: string,
    message: string,
    readonly httpStatus = 400,
  ) {
    super(message);
    this.name = code;
  }
}
