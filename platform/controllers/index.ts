/** The platform's controllers, each as a runner definition. */
export * from './service-controller.ts';
export * from './mesh-member-controller.ts';
export * from './cedar-policy-controller.ts';
export * from './secret-provider-controller.ts';
export * from './job-controller.ts';
export * from './model-controller.ts';
export * from './package-controller.ts';
export * from './cedar-loader.ts';
export * from './conditions.ts';
export * from './image-trust.ts';
export * from './quota-controller.ts';
export * from './quota-budget.ts';
