/** The few jStat functions this package uses (jstat ships no type declarations). */
declare module 'jstat' {
  interface JStat {
    mean(values: number[]): number;
    /** Standard deviation; `sample = true` divides by n − 1. */
    stdev(values: number[], sample: boolean): number;
    min(values: number[]): number;
    max(values: number[]): number;
    studentt: { cdf(x: number, degreesOfFreedom: number): number; inv(p: number, degreesOfFreedom: number): number };
    normal: { cdf(x: number, mean: number, standardDeviation: number): number };
  }
  const jStat: JStat;
  export default jStat;
}
