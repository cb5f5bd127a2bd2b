import { booleanToHclTerraform, listMapperHcl, numberToHclTerraform, stringToHclTerraform } from '../cdk';

/** cdktf's HCL description of one plain attribute. */
export function hclString(value: string | undefined) {
  return { value: stringToHclTerraform(value), isBlock: false, type: 'simple', storageClassType: 'string' };
}

/** cdktf's HCL description of one number attribute. */
export function hclNumber(value: number | undefined) {
  return { value: numberToHclTerraform(value), isBlock: false, type: 'simple', storageClassType: 'number' };
}

/** cdktf's HCL description of one bool attribute. */
export function hclBoolean(value: unknown) {
  return { value: booleanToHclTerraform(value), isBlock: false, type: 'simple', storageClassType: 'boolean' };
}

/** cdktf's HCL description of one list-of-strings attribute. */
export function hclStringList(value: readonly string[] | undefined) {
  return { value: listMapperHcl(stringToHclTerraform, false)(value), isBlock: false, type: 'list', storageClassType: 'stringList' };
}
