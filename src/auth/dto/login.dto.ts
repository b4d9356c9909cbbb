import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';

export class LoginDto {
  @ApiPropertyOptional({
    description: 'The admin key (the form most bots send).',
    example: 'your-admin-key',
  })
  @IsOptional()
  @MaxLength(512)
  @IsString()
  apiKey?: string;

  @ApiPropertyOptional({
    description: 'The admin key (the older form, also accepted).',
    example: 'your-admin-key',
  })
  @IsOptional()
  @MaxLength(512)
  @IsString()
  key?: string;
}

export class LoginResponseDto {
  @ApiProperty({
    example: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9...',
    description: 'The JWT to send as `Authorization: Bearer <token>`.',
  })
  token!: string;

  @ApiProperty({ example: 'Authentication successful', description: 'Always this text.' })
  message!: string;

  @ApiProperty({
    example: '24h',
    description: 'How long the token lasts (JWT_EXPIRES_IN: seconds, or with m, h or d).',
  })
  expiresIn!: string;

  @ApiProperty({ example: 'Admin', description: 'The name of the admin the key belongs to.' })
  name!: string;
}

export class TokenClaimsDto {
  @ApiProperty({ example: 'admin', description: 'Always `admin`.' })
  role!: string;

  @ApiProperty({ example: 'Admin', description: 'The admin the token was issued to.' })
  name!: string;

  @ApiProperty({
    example: 1764230000000,
    description: 'When the token was issued (ms since epoch).',
  })
  timestamp!: number;

  @ApiProperty({ example: 1764230000, description: 'Issued at (seconds since epoch).' })
  iat!: number;

  @ApiProperty({ example: 1764316400, description: 'Expires at (seconds since epoch).' })
  exp!: number;
}

export class VerifyResponseDto {
  @ApiProperty({ example: true, description: 'Always true (an invalid token gets a 401).' })
  valid!: boolean;

  @ApiProperty({ type: TokenClaimsDto, description: "The token's claims." })
  user!: TokenClaimsDto;
}
