// A fixture: the entry point is re-exported from another file of the folder, which the export check must follow.
export * from "./handler";
