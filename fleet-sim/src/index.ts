export * from './lean';
