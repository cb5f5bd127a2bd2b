import { expect } from 'chai';
import { Duration } from '../src';

describe('cdktf constructs: Duration', () => {
  it('renders the largest exact unit, as the provider reads durations', () => {
    expect(Duration.days(90).toHcl()).to.equal('90d');
    expect(Duration.hours(24).toHcl()).to.equal('1d');
    expect(Duration.hours(36).toHcl()).to.equal('36h');
    expect(Duration.minutes(90).toHcl()).to.equal('90m');
    expect(Duration.seconds(3600).toHcl()).to.equal('1h');
    expect(Duration.seconds(61).toHcl()).to.equal('61s');
    expect(Duration.seconds(0).toHcl()).to.equal('0s');
    expect(Duration.minutes(0.5).toHcl()).to.equal('30s');
  });

  it("renders Terraform's timeadd syntax, which has no days", () => {
    expect(Duration.days(365).toTerraformTimeadd()).to.equal('8760h');
    expect(Duration.minutes(90).toTerraformTimeadd()).to.equal('90m');
    expect(Duration.seconds(5).toTerraformTimeadd()).to.equal('5s');
  });

  it('compares lengths across units', () => {
    expect(Duration.days(1).equals(Duration.hours(24))).to.be.true;
    expect(Duration.minutes(59).isShorterThan(Duration.hours(1))).to.be.true;
    expect(Duration.days(2).isLongerThan(Duration.hours(47))).to.be.true;
    expect(Duration.hours(1).compareTo(Duration.minutes(60))).to.equal(0);
    expect(Duration.days(90).toSeconds()).to.equal(7_776_000);
  });

  it('describes itself for people in messages', () => {
    expect(Duration.minutes(30).toHumanString()).to.equal('30 minutes');
    expect(Duration.seconds(3600).toHumanString()).to.equal('1 hour');
    expect(String(Duration.days(90))).to.equal('90 days');
  });
});
