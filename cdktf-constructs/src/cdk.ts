/**
 * The one module that imports the CDK for Terraform. Everything else in this package imports from here,
 * so moving to the maintained fork `cdktn` is a change of this one import (both export the same API).
 */
export {
  App,
  Fn,
  TerraformDataSource,
  TerraformOutput,
  TerraformProvider,
  TerraformResource,
  TerraformStack,
  TerraformVariable,
  Testing,
  Token,
  Tokenization,
  booleanToHclTerraform,
  booleanToTerraform,
  listMapper,
  listMapperHcl,
  numberToHclTerraform,
  numberToTerraform,
  stringToHclTerraform,
  stringToTerraform,
} from 'cdktf';
export type {
  IResolvable,
  TerraformMetaArguments,
  TerraformProviderGeneratorMetadata,
  TerraformResourceLifecycle,
} from 'cdktf';
